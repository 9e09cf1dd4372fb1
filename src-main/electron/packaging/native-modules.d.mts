export declare const NATIVE_MODULE: string;
export declare const NATIVE_BINARY: string;
export interface AfterPackContextLike {
  appOutDir: string;
  electronPlatformName: string;
  arch: number;
  packager: { appInfo: { productFilename: string }; info: { projectDir: string; framework: { version: string } } };
}
export declare function unpackedModuleDir(context: { appOutDir: string; electronPlatformName: string }, productFilename: string): string;
export declare function prebuildArgs(target: { electronVersion: string; platform: string; arch: number | string }): string[];
export declare function runPrebuildInstall(cwd: string, args: string[]): Promise<void>;
export default function afterPack(context: AfterPackContextLike, run?: (cwd: string, args: string[]) => Promise<void>): Promise<void>;
