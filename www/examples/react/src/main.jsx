// The React host app: <IdentityCheck> mounts the widget with mount() and reports its events;
// the app lists them, says so when the identity is verified, and takes the widget away when the
// user closes it. See docs/embedding.md; the events' payloads are in kyc-capture.d.ts.
import { StrictMode, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
// The widget's package, loaded at run time from where it is served (see build.mjs).
import { mount } from 'kyc-capture';

const EVENTS = [
  'kyc-ready', 'kyc-step-changed', 'kyc-capture-rejected', 'kyc-upload-progress',
  'kyc-submitted', 'kyc-status-changed', 'kyc-error', 'kyc-exit',
];

/**
 * The widget in a <div> React renders and never touches again. `onEvent(name, detail)` hears
 * every event; `onDone(detail)` is called on `kyc-exit`, when the user closed the widget: the
 * parent then stops rendering this component, which unmounts the widget (camera off, timers
 * and listeners gone).
 */
export function IdentityCheck({ endpoint, token, onEvent, onDone }) {
  const container = useRef(null);
  // The latest callbacks, so that a parent's re-render does not remount the widget.
  const callbacks = useRef({ onEvent, onDone });
  useEffect(() => {
    callbacks.current = { onEvent, onDone };
  });

  useEffect(() => {
    const element = container.current;
    const listeners = EVENTS.map((name) => {
      const listener = (event) => {
        callbacks.current.onEvent?.(name, event.detail);
        if (name === 'kyc-exit') callbacks.current.onDone?.(event.detail);
      };
      element.addEventListener(name, listener);
      return [name, listener];
    });
    const handle = mount(element, { endpoint, sessionToken: token });
    // The cleanup undoes all of it. StrictMode (in development) runs effect, cleanup, effect:
    // the first widget is unmounted before it appears, and the second one is the one shown.
    return () => {
      handle.unmount();
      for (const [name, listener] of listeners) element.removeEventListener(name, listener);
    };
  }, [endpoint, token]);

  return <div ref={container} className="identity-check" />;
}

function App({ endpoint, token }) {
  const [events, setEvents] = useState([]);
  const [verified, setVerified] = useState(false);
  const [open, setOpen] = useState(true);

  function onEvent(name, detail) {
    setEvents((list) => [...list, { name, detail }]);
    // Your backend learns it too (its own poll or the provider's webhook); move on from here.
    if (name === 'kyc-status-changed' && detail.status === 'verified') setVerified(true);
  }

  return (
    <>
      <h1>Verify your identity</h1>
      {verified && (
        <p id="verified" role="status">Thank you: your identity is verified. Your account is ready.</p>
      )}
      {open ? (
        <IdentityCheck endpoint={endpoint} token={token} onEvent={onEvent} onDone={() => setOpen(false)} />
      ) : (
        <p id="closed">You closed the identity check. <a href="">Start again</a></p>
      )}
      <section aria-labelledby="events-heading">
        <h2 id="events-heading">Events the page received</h2>
        <ol id="events">
          {events.map(({ name, detail }, index) => (
            <li key={index} data-event={name}>{`${name} ${JSON.stringify(detail)}`}</li>
          ))}
        </ol>
      </section>
    </>
  );
}

// The relay's URL and the session's token, as the host's backend rendered them into the page.
const root = document.getElementById('root');
createRoot(root).render(
  <StrictMode>
    <App endpoint={root.dataset.endpoint} token={root.dataset.sessionToken} />
  </StrictMode>,
);
