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

/** Hands `use` the file chosen in `input` or dropped on `zone` (highlighted while dragged over). */
export function acceptFiles(input, zone, use) {
  input.addEventListener('change', (e) => { const f = e.target.files?.[0]; if (f) use(f); e.target.value = ''; });
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const f = e.dataTransfer?.files?.[0];
    if (f) use(f);
  });
}
