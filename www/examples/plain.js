// The host page's script: loads the widget, listens to its events, and takes it away when the
// user closes it. Everything a host needs is here; see docs/embedding.md.
import '../kyc-capture/kyc-capture.js';

const EVENTS = [
  'kyc-ready', 'kyc-step-changed', 'kyc-capture-rejected', 'kyc-upload-progress',
  'kyc-submitted', 'kyc-status-changed', 'kyc-error', 'kyc-exit', 'kyc-retry',
  'kyc-handoff-started', 'kyc-handoff-completed',
];

const widget = document.getElementById('kyc');
const log = document.getElementById('events');

for (const name of EVENTS) {
  widget.addEventListener(name, (event) => {
    const item = document.createElement('li');
    item.dataset.event = name;
    item.textContent = `${name} ${JSON.stringify(event.detail)}`;
    log.append(item);
  });
}

widget.addEventListener('kyc-status-changed', (event) => {
  if (event.detail.status === 'verified') {
    // Your backend learns it too (its own poll or the provider's webhook); move on from here.
    document.title = 'Verified';
  }
});

widget.addEventListener('kyc-exit', () => {
  // Removing the element unmounts the widget: camera off, timers and listeners gone.
  widget.remove();
  document.getElementById('closed').hidden = false;
});
