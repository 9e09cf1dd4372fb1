import { contextBridge, ipcRenderer } from 'electron';
import { API_GLOBAL } from './api';
import { createBridgeApi } from './bridge';

// Only the derived API crosses into the page; ipcRenderer itself never does.
contextBridge.exposeInMainWorld(API_GLOBAL, createBridgeApi(ipcRenderer));
