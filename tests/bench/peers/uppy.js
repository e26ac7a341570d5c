// Uppy as a host page would start it for an identity document: its dashboard inline, the
// webcam for pictures, images and PDFs sent to the host's endpoint.
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import Webcam from '@uppy/webcam';
import XHRUpload from '@uppy/xhr-upload';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import '@uppy/webcam/css/style.min.css';

new Uppy({
  restrictions: { allowedFileTypes: ['image/jpeg', 'image/png', 'application/pdf'], maxFileSize: 10e6 },
})
  .use(Dashboard, { inline: true, target: '#peer', proudlyDisplayPoweredByUppy: false })
  .use(Webcam, { modes: ['picture'] })
  .use(XHRUpload, { endpoint: '/upload' });
