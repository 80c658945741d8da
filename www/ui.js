// Status line and error banner: how the page tells the visitor what is happening.
export const $ = (id) => document.getElementById(id);

export function setStatus(text) {
  $('status').textContent = text;
}

export function showError(message, retry) {
  $('error-text').textContent = message;
  $('error').hidden = false;
  $('error-retry').hidden = !retry;
  $('error-retry').onclick = retry ? () => { hideError(); retry(); } : null;
}

export function hideError() {
  $('error').hidden = true;
}
