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

/** Hands `use` the file chosen in `input` or dropped on `zone` (highlighted while dragged over);
 * with `all`, every file picked or dropped together, as an array. */
export function acceptFiles(input, zone, use, { all = false } = {}) {
  const hand = (list) => {
    const files = [...(list ?? [])];
    if (files.length) use(all ? files : files[0]);
  };
  input.addEventListener('change', (e) => { hand(e.target.files); e.target.value = ''; });
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    hand(e.dataTransfer?.files);
  });
}
