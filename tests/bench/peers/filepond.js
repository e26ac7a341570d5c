// FilePond as a host page would start it for an identity document: images and PDFs, sent to
// the host's endpoint. From FilePond's own minified build (what its package ships for a page,
// and smaller than its ES module minified here: 38.6 against 44.6 KB gzip with the stylesheet).
import * as FilePond from 'filepond/dist/filepond.min.js';
import 'filepond/dist/filepond.min.css';

FilePond.create(document.querySelector('#peer input'), {
  acceptedFileTypes: ['image/jpeg', 'image/png', 'application/pdf'],
  server: '/upload',
});
