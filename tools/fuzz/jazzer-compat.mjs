// Makes @jazzer.js/fuzzer's prebuilt addon load on Debian 12.
//
// The only prebuilt linux-x64 addon of @jazzer.js/fuzzer 4.0.0 was linked against glibc 2.38 and
// GCC 13's libstdc++, and asks for three symbols Debian 12 (glibc 2.36, GCC 12) does not have:
// __isoc23_strtol, __isoc23_strtoul (glibc 2.38's C23 variants of strtol/strtoul) and
// std::ios_base_library_init() (GCC 13). Older jazzer.js releases build from source and fetch
// libFuzzer from GitHub, which is not reachable here. So, only when loading fails for exactly
// that reason:
//   1. the addon's version requirements GLIBC_2.38 and GLIBCXX_3.4.32 are marked weak (a flag in
//      its .gnu.version_r section), so the dynamic loader no longer refuses it; the original is
//      kept beside it as .orig;
//   2. a tiny shim (glibc-compat-shim.cc: strtol/strtoul wrappers, an ios_base::Init) is compiled
//      with g++ and preloaded (LD_PRELOAD) into the fuzzing process, so the three symbols resolve.
// The C23 functions differ from the C ones only in accepting a "0b" prefix, which libFuzzer's
// flag parsing never sees.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const WEAKEN = new Set(['GLIBC_2.38', 'GLIBCXX_3.4.32']);

function addonPath() {
  const require = createRequire(join(root, 'package.json'));
  const pkg = dirname(require.resolve('@jazzer.js/fuzzer/package.json'));
  return join(pkg, 'prebuilds', `fuzzer-${process.platform}-${process.arch}.node`);
}

function loadError(env) {
  // LD_BIND_NOW: resolve every symbol at load, not at first call (a patched addon loads lazily
  // without the shim and fails later, mid-run).
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addonPath())})`], {
    env: { ...process.env, ...env, LD_BIND_NOW: '1' },
    encoding: 'utf8',
  });
  return r.status === 0 ? undefined : r.stderr;
}

/** Marks the version requirements in WEAKEN as weak (VER_FLG_WEAK) in an ELF64 little-endian file. */
function weakenVersionNeeds(file) {
  const b = readFileSync(file);
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const sections = Array.from({ length: shnum }, (_, i) => {
    const o = shoff + i * shentsize;
    return { type: b.readUInt32LE(o + 4), offset: Number(b.readBigUInt64LE(o + 0x18)), link: b.readUInt32LE(o + 0x28), info: b.readUInt32LE(o + 0x2c) };
  });
  const verneed = sections.find((s) => s.type === 0x6ffffffe); // SHT_GNU_verneed
  if (!verneed) return 0;
  const strtab = sections[verneed.link].offset;
  const name = (off) => b.toString('latin1', strtab + off, b.indexOf(0, strtab + off));
  let patched = 0;
  for (let n = 0, o = verneed.offset; n < verneed.info; n++) {
    const count = b.readUInt16LE(o + 2);
    for (let k = 0, a = o + b.readUInt32LE(o + 8); k < count; k++) {
      if (WEAKEN.has(name(b.readUInt32LE(a + 8)))) {
        b.writeUInt16LE(b.readUInt16LE(a + 4) | 0x2, a + 4); // vna_flags |= VER_FLG_WEAK
        patched++;
      }
      const next = b.readUInt32LE(a + 12);
      if (next === 0) break;
      a += next;
    }
    const next = b.readUInt32LE(o + 12);
    if (next === 0) break;
    o += next;
  }
  writeFileSync(file, b);
  return patched;
}

/**
 * Returns the environment the fuzzing process needs (`{}` when the addon loads as it is).
 * Throws with the loader's message when it cannot be made to load. Files are replaced by rename,
 * never rewritten in place, so a fuzzing run already using them is not disturbed.
 */
export function jazzerEnv() {
  const first = loadError({});
  if (!first) return {};
  if (!/GLIBC_2\.38|GLIBCXX_3\.4\.32|__isoc23_|ios_base_library_init/.test(first)) throw new Error(`@jazzer.js/fuzzer does not load:\n${first}`);
  const cacheDir = join(root, 'node_modules/.cache/jazzer-compat');
  mkdirSync(cacheDir, { recursive: true });
  const shim = join(cacheDir, 'glibc-compat-shim.so');
  if (!existsSync(shim)) {
    execFileSync('g++', ['-shared', '-fPIC', '-O2', '-o', `${shim}.tmp`, join(here, 'glibc-compat-shim.cc')], { stdio: 'inherit' });
    renameSync(`${shim}.tmp`, shim);
  }
  const env = { LD_PRELOAD: shim };
  if (!loadError(env)) return env; // patched before
  const addon = addonPath();
  if (!existsSync(`${addon}.orig`)) copyFileSync(addon, `${addon}.orig`);
  copyFileSync(`${addon}.orig`, `${addon}.tmp`);
  weakenVersionNeeds(`${addon}.tmp`);
  renameSync(`${addon}.tmp`, addon);
  const still = loadError(env);
  if (still) throw new Error(`@jazzer.js/fuzzer does not load even with the compatibility shim:\n${still}`);
  return env;
}
