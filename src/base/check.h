#pragma once

// GREGOR_CHECK: a broken invariant of our own state is a bug: log and abort.
// Never CHECK bytes that came from the network or the disk; those get an error.

#include <cstdio>
#include <cstdlib>

#define GREGOR_CHECK(cond)                                                          \
  do {                                                                              \
    if (!(cond)) [[unlikely]] {                                                     \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)
