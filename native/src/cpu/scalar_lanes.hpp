// One-lane "registers" for the arithmetic the noise generator needs (noise_loops.hpp): the scalar
// kernel level builds on it, and the tests run noise_loops.hpp on it to get the values every SIMD level
// must match bit for bit.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace gc::cpu {

struct ScalarLanes {
  using Reg = double;
  using IReg = uint64_t;

  static Reg broadcast(double c) { return c; }
  static Reg add(Reg a, Reg b) { return a + b; }
  static Reg sub(Reg a, Reg b) { return a - b; }
  static Reg mul(Reg a, Reg b) { return a * b; }
  static Reg div(Reg a, Reg b) { return a / b; }
  static Reg sqrt(Reg a) { return std::sqrt(a); }

  static IReg ibroadcast(uint64_t c) { return c; }
  static IReg iloadu(const uint64_t* p) { return *p; }
  static IReg iadd(IReg a, IReg b) { return a + b; }
  static IReg isub(IReg a, IReg b) { return a - b; }
  static IReg iand(IReg a, IReg b) { return a & b; }
  static IReg ior(IReg a, IReg b) { return a | b; }
  static IReg ixor(IReg a, IReg b) { return a ^ b; }
  template <int N>
  static IReg isrl(IReg a) { return a >> N; }
  template <int N>
  static IReg isll(IReg a) { return a << N; }
  static IReg imul(IReg a, uint64_t c) { return a * c; }
  static Reg as_double(IReg a) {
    double d;
    std::memcpy(&d, &a, sizeof d);
    return d;
  }
  static IReg as_bits(Reg a) {
    uint64_t u;
    std::memcpy(&u, &a, sizeof u);
    return u;
  }
  static Reg to_double(IReg a) { return static_cast<double>(a); }
};

}  // namespace gc::cpu
