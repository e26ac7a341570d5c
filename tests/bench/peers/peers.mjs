// The peers `cargo xtask bench` measures beside the widget, each as a host page would use it:
// its script and stylesheet bundled and minified by esbuild (`build.mjs`), mounted on a page
// of its own (`<name>/index.html`, served beside the widget's) into `#peer`. `ready` is what
// the startup figure waits for, as the widget's first step heading: the peer's first UI in the
// DOM. Its configuration is the least it needs to do what the widget's first steps do.
export const PEERS = [
  {
    name: 'filepond',
    label: 'FilePond',
    packages: ['filepond'],
    what: 'a drop area and the upload of the files dropped: no camera, no checks',
    ready: '.filepond--root',
    body: '<div id="peer"><input type="file" name="document" multiple></div>',
  },
  {
    name: 'uppy',
    label: 'Uppy',
    packages: ['@uppy/core', '@uppy/dashboard', '@uppy/webcam', '@uppy/xhr-upload'],
    what: 'its dashboard, the webcam and the upload of the files: no checks',
    ready: '.uppy-Dashboard',
    body: '<div id="peer"></div>',
  },
];

// The peers' photo path (`photo.js`, its page `photo/index.html`): the plugins each peer brings
// its photos to a size and a quality with, timed beside the bare decode of the same photo.
export const PHOTO = {
  packages: [
    'filepond', 'filepond-plugin-image-exif-orientation', 'filepond-plugin-image-resize',
    'filepond-plugin-image-transform', '@uppy/core', '@uppy/compressor',
  ],
  body: '<div id="peer"><input type="file" name="document"><input type="file" name="plain"></div>',
};
