// LIQDB_AVX2_CLONES: compile a hot loop twice, for generic x86-64 and for
// AVX2, and let the loader pick one (GCC/clang target_clones, an ifunc).
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
#define LIQDB_AVX2_CLONES
#else
#define LIQDB_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#endif
