#pragma once

// Clang thread-safety annotations; no-ops on other compilers.
#if defined(__clang__)
#define GREGOR_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define GREGOR_THREAD_ANNOTATION_(x)
#endif

#define GUARDED_BY(x) GREGOR_THREAD_ANNOTATION_(guarded_by(x))
#define PT_GUARDED_BY(x) GREGOR_THREAD_ANNOTATION_(pt_guarded_by(x))
#define REQUIRES(...) GREGOR_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) GREGOR_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))
