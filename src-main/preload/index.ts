import { contextBridge } from 'electron';
import type { RendererApi } from './api';
import pkg from '../../package.json';

const api = {
  appVersion: pkg.version,
} satisfies RendererApi;

contextBridge.exposeInMainWorld('reconciler', api);
