// Types of kyc-capture.js: the <kyc-capture> element, mount(), and the events' payloads.

export interface KycCaptureOptions {
  /** The relay's base URL; "" for the page's own origin. */
  endpoint?: string;
  /** The token your backend got from `POST /v1/sessions`. Required unless `demo`. */
  sessionToken?: string;
  /** Ask the demo relay for a session (the offline demo only). */
  demo?: boolean;
  /** "en", "es", "fr", "de", "it", "nl", "pl", "pt-BR", "pt-PT", "ru", "uk", "tr", "ro", "id", "ja", "ko", "zh-Hans", "hi", "ar" or "he" (or a tag such as "es-MX"); default: the browser's language. */
  locale?: string;
  /** Default "auto" (follows prefers-color-scheme). */
  theme?: 'auto' | 'light' | 'dark';
  /** Strings replacing built-in ones, by message key. */
  messages?: Record<string, string>;
  /** Take a steady, good camera frame without the button. */
  autoCapture?: boolean;
  /** Continue on the phone by QR code: offered on a desktop (default), forced there, or off. */
  handoff?: 'offered' | 'forced' | 'off';
  /** The phone page (a page of yours that mounts the widget); default: this page without its query. */
  handoffUrl?: string;
}

export interface KycCaptureHandle {
  /** Removes the widget: releases the camera, clears timers, removes listeners. */
  unmount(): void;
  /** Switches the language, keeping what was captured; false for an unknown tag. */
  setLocale(tag: string): boolean;
}

/** Mounts the widget into `element`; returns at once, the widget appears once loaded. */
export function mount(element: HTMLElement, options: KycCaptureOptions): KycCaptureHandle;

export type KycStep = 'consent' | 'document' | 'country' | 'capture' | 'handoff' | 'review' | 'send' | 'status';
export type KycSlot = 'front' | 'back' | 'selfie' | 'proof_of_address' | 'liveness';

/** The `detail` of each event; all bubble and are composed (they leave the shadow root). */
export interface KycCaptureEventMap {
  'kyc-ready': { provider: 'a' | 'b' | 'c' | 'd'; steps: number };
  'kyc-step-changed': { step: KycStep; slot?: KycSlot };
  'kyc-capture-rejected': { slot: KycSlot; reasons: string[]; message: string };
  'kyc-upload-progress': { slot: KycSlot; percent: number };
  'kyc-submitted': { documentType: string };
  'kyc-status-changed': { status: 'pending' | 'verified' | 'rejected'; reason?: string };
  'kyc-error': { code: string; message: string };
  'kyc-exit': { step: KycStep };
  'kyc-retry': { sessionId: string; code?: undefined } | { code: string; sessionId?: undefined };
  'kyc-handoff-started': { expiresAt: number };
  'kyc-handoff-completed': { status: 'pending' | 'verified' | 'rejected' };
}

export class KycCaptureElement extends HTMLElement {
  /** Strings replacing built-in ones, by key; set before the element is connected. */
  messages?: Record<string, string>;
  setLocale(tag: string): void;
  addEventListener<K extends keyof KycCaptureEventMap>(
    type: K,
    listener: (this: KycCaptureElement, event: CustomEvent<KycCaptureEventMap[K]>) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'kyc-capture': KycCaptureElement;
  }
}
