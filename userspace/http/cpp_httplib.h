// Include cpp-httplib through this header, never <httplib.h> directly.
//
// Debian's libcpp-httplib is a compiled library, built with OpenSSL, zlib and
// Brotli support (see `pkg-config --cflags cpp-httplib`). Those macros change
// the layout of its classes (Client gains is_ssl_, Request gains ssl), so every
// translation unit must see the same definitions as the library was built
// with; without them a Client constructed by the library overruns the smaller
// object the caller allocated (stack corruption, seen as "free(): invalid
// pointer" at -O2). The headers they pull in (libssl-dev, libbrotli-dev,
// zlib1g-dev) are dependencies of libcpp-httplib-dev. profbufd itself serves
// plain HTTP only.
#pragma once

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#ifndef CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#endif
#ifndef CPPHTTPLIB_BROTLI_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#endif

#include <httplib.h>
