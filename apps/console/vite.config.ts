import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    // The server's content security policy allows no inline code: keep every asset a file.
    assetsInlineLimit: 0,
    sourcemap: true,
  },
  server: {
    // `pnpm --filter @patchbay/console dev` beside a server on 8080.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
