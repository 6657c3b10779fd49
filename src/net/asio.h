#pragma once

// The parts of Boost.Asio Gregor uses. <utility> first: Boost 1.74's awaitable.hpp uses
// std::exchange without including it, which g++ 12 in C++20 mode rejects.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <utility>
