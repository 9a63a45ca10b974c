// Symbols the prebuilt @jazzer.js/fuzzer addon (built against glibc 2.38 / GCC 13) needs and
// Debian 12 (glibc 2.36, libstdc++ of GCC 12) lacks; see tools/fuzz/jazzer-compat.mjs.
#include <cstdlib>
#include <ios>
extern "C" long __isoc23_strtol(const char *s, char **end, int base) { return std::strtol(s, end, base); }
extern "C" unsigned long __isoc23_strtoul(const char *s, char **end, int base) { return std::strtoul(s, end, base); }
namespace std { void ios_base_library_init() { static ios_base::Init init; } }
