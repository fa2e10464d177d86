// LIQDB_SIMD_CLONES: compile a hot loop three times, for generic x86-64, for
// AVX2 and for AVX-512F, and let the loader pick the widest the CPU has
// (GCC/clang target_clones, an ifunc). Every clone computes the same bits:
// the loops are IEEE adds, multiplies, divisions and compares, which are
// exact-rounded at any vector width.
//
// Not under ThreadSanitizer: the ifunc resolvers run while the loader
// relocates the binary, before TSan's runtime is up, and the instrumented
// resolver crashes the process at startup. There the generic code is used.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define LIQDB_NO_CPU_CLONES 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LIQDB_NO_CPU_CLONES 1
#endif
#endif

#if defined(LIQDB_NO_CPU_CLONES)
#define LIQDB_SIMD_CLONES
#else
#define LIQDB_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
