import { onBeforeUnmount, ref } from 'vue'

/** 发送验证码's wait: counts down the seconds the server answered (`resend_after_seconds`). */
export function useCountdown() {
  const countdown = ref(0)
  let timer: ReturnType<typeof setInterval> | undefined

  function start(seconds: number): void {
    clearInterval(timer)
    countdown.value = seconds
    timer = setInterval(() => {
      countdown.value -= 1
      if (countdown.value <= 0) clearInterval(timer)
    }, 1000)
  }

  onBeforeUnmount(() => clearInterval(timer))
  return { countdown, start }
}
