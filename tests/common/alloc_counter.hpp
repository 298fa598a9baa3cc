#pragma once
// Counts calls to the global operator new while `g_counting` is on, so a test
// can prove a path allocates nothing. Include it in exactly ONE source file
// of a test executable: it replaces the global operators for the whole program.
//
// Every replaceable (non-aligned) form is replaced and each pairs malloc with
// free. A partial set is an alloc-dealloc mismatch under AddressSanitizer
// (its own operator new(nothrow) freed by our delete); the full set keeps the
// counting valid in sanitizer builds too.
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

// GCC cannot see through inlining that malloc is paired with free, and warns.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include "tests/common/alloc_counter_state.hpp"

void* operator new(std::size_t n) {
  if (void* p = wirebook::test::counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = wirebook::test::counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return wirebook::test::counted_alloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return wirebook::test::counted_alloc(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
