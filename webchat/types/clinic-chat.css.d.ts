// The Makefile turns src/clinic-chat.css into dist/clinic-chat.css.js, a module
// whose default export is the style sheet's text.
declare const css: string;
export default css;
