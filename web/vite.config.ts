/// <reference types="node" />
/// <reference types="vitest/config" />
import { VantResolver } from '@vant/auto-import-resolver'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { defineConfig } from 'vite'

// The client calls the API under /api, the prefix the deployed site (CloudFront → API Gateway's `api`
// stage) and `make run` share; the dev server and preview pass /api/… on to a running stack unchanged.
// YCE_API_ORIGIN points them at another stack (the browser tests start one on a free port).
const api = {
  '/api': { target: process.env.YCE_API_ORIGIN ?? 'http://127.0.0.1:8000', changeOrigin: true },
}

export default defineConfig({
  plugins: [
    vue(),
    // Only the Vant components a template uses are bundled, each with its own CSS. The build rewrites
    // their declarations as it finds them; YCE_WRITE_DTS=0 (the browser test's build) leaves the file to
    // the typecheck and build tests running beside it.
    Components({
      resolvers: [VantResolver()],
      dirs: [],
      dts: process.env.YCE_WRITE_DTS === '0' ? false : 'src/components.d.ts',
    }),
  ],
  server: { port: 5173, strictPort: true, proxy: api },
  preview: { proxy: api },
  build: { target: 'es2020', chunkSizeWarningLimit: 200 },
  test: { environment: 'jsdom', include: ['src/**/*.test.ts'] },
})
