import { createApp } from 'vue'
import App from './App.vue'
import { authEvents } from './api'
import { router } from './router'
import './styles.css'

authEvents.passwordChangeRequired = () => void router.replace({ name: 'password' })
authEvents.signedOut = () =>
  void router.replace({ name: 'login', query: { redirect: router.currentRoute.value.fullPath } })

createApp(App).use(router).mount('#app')
