import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The portal is served by the node at `/` (see packages/node/src/api/portal.ts); in development `npm run dev -w
// @lianzheng/portal` proxies the API to a running node (LIANZHENG_NODE, default http://127.0.0.1:7070).
const node = process.env.LIANZHENG_NODE ?? 'http://127.0.0.1:7070';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/v1': node, '/health': node, '/metrics': node },
  },
});
