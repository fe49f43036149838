/**
 * The part of the WebAssembly JavaScript API the sandbox uses (browsers and Node both have it). Declared here because
 * the runtime compiles without DOM or Node types: it must not use their other APIs.
 */
declare global {
  namespace WebAssembly {
    class Module {
      constructor(bytes: Uint8Array | ArrayBuffer);
    }
    class Memory {
      constructor(descriptor: { initial: number; maximum?: number });
      readonly buffer: ArrayBuffer;
    }
    class Global {
      value: unknown;
    }
    class Instance {
      constructor(module: Module, imports?: Imports);
      readonly exports: Exports;
    }
    class RuntimeError extends Error {}
    type Imports = Record<string, Record<string, unknown>>;
    type Exports = Record<string, unknown>;
  }
}

export {};
