import { call, chooseFolder, on, readExport } from '../lib/api';
import type { ErrorDto } from '../../../src-main/shared/errors';
import { saveBlob } from '../lib/files';
import { EXPORT_FILE_IDS, EXPORT_FILE_LABELS, type ExportFileId, type ExportResultDto } from '../../../src-main/shared/snapshots';
import { Loadable } from './async.svelte';

export const EXPORT_FILES = EXPORT_FILE_IDS.map((id) => ({ id, ...EXPORT_FILE_LABELS[id] }));

/** The export screen: which files, the progress of the one being written, the outcome. */
class ExportsState {
  chosen = $state<ExportFileId[]>([...EXPORT_FILE_IDS]);
  progress = $state<Record<string, { rows: number; done: boolean }>>({});
  result = new Loadable<ExportResultDto>();
  downloadError = $state<string | undefined>(undefined);
  folder = $state('');
  folderError = $state<ErrorDto | undefined>(undefined);
  readonly canChooseFolder = chooseFolder !== undefined;

  async chooseFolder(): Promise<void> {
    if (!chooseFolder) return;
    const r = await chooseFolder();
    if (!r.ok) this.folderError = r.error;
    else if (r.value) this.folder = r.value.path;
  }
  #subscribed = false;

  toggle(id: ExportFileId, on: boolean): void {
    this.chosen = on ? [...new Set([...this.chosen, id])] : this.chosen.filter((f) => f !== id);
  }

  async write(profile: string, outDir: string, snapshotId?: number): Promise<void> {
    if (!this.#subscribed) {
      this.#subscribed = true;
      on('exports.progress', (e) => {
        this.progress = { ...this.progress, [e.file]: { rows: e.rows, done: e.done } };
      });
    }
    this.progress = {};
    this.downloadError = undefined;
    await this.result.run(() => call('exports.write', { profile, outDir, files: [...this.chosen], ...(snapshotId ? { snapshotId } : {}) }));
  }

  async download(path: string): Promise<void> {
    try {
      saveBlob(await readExport(path), path.split(/[\\/]/).pop() ?? 'export.csv');
    } catch (e) {
      this.downloadError = e instanceof Error ? e.message : String(e);
    }
  }
}

export const exportsState = new ExportsState();
