import { ref } from 'vue'
import { api, session, unwrap } from './api'

/** 消息's badge: the signed-in user's unread notifications (0 when signed out). */
export const unread = ref(0)

export async function refreshUnread(): Promise<void> {
  if (!session.current || session.current.mustChangePassword) {
    unread.value = 0
    return
  }
  try {
    unread.value = (await unwrap(api.GET('/me/notifications/unread-count'))).unread
  } catch {
    // A badge is not worth an error message; the next screen change tries again.
  }
}
