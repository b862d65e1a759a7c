import { createApp } from 'vue'
import App from './App.vue'
import { authEvents } from './api'
import { router } from './router'
import './styles.css'

authEvents.passwordChangeRequired = () => void router.replace({ name: 'password' })
// A lapsed session on a public screen (首页's badge call) stays there, signed out.
authEvents.signedOut = () => {
  const current = router.currentRoute.value
  if (current.meta.signedIn) void router.replace({ name: 'login', query: { redirect: current.fullPath } })
}

createApp(App).use(router).mount('#app')
