import { contextBridge } from 'electron';
import type { RendererApi } from './api';

const api = {
  appVersion: process.env['npm_package_version'] ?? '0.0.0',
} satisfies RendererApi;

contextBridge.exposeInMainWorld('reconciler', api);
