/**
 * The zstd WebAssembly module, initialised once on first use (its `init()` loads the wasm
 * bytes). Loaded lazily so tools that never touch zstd do not pay for it at start-up.
 */
export interface ZstdRuntime {
  compress(data: Uint8Array, level?: number): Uint8Array;
  decompress(data: Uint8Array, options?: { defaultHeapSize: number }): Uint8Array;
}

let loading: Promise<ZstdRuntime> | undefined;

export const loadZstd = (): Promise<ZstdRuntime> => {
  loading ??= (async () => {
    // A literal specifier, so the single-executable bundler sees it and embeds the wasm.
    const zstd = await import('@bokuweb/zstd-wasm');
    await zstd.init();
    return { compress: zstd.compress, decompress: zstd.decompress };
  })();
  return loading;
};
