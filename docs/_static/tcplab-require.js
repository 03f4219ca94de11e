/* The widget manager (vendor/embed-amd.js) loads its Font Awesome webfonts from the folder
   of its own AMD module. RequireJS would place that module beside each page
   (notebooks/@jupyter-widgets/html-manager/dist/), where nothing is: point it at the site's
   copy in _static/vendor/html-manager/ (staged by docs/vendor/stage.py). */
(function () {
  var here = document.currentScript && document.currentScript.src;
  if (!here || typeof require === "undefined") return;
  var dir = new URL("vendor/html-manager", here).href;
  // Both modules the script defines take their folder as the fonts' address; neither is
  // fetched (the script defines them), so the file names after the folder do not matter.
  require.config({
    paths: {
      "@jupyter-widgets/html-manager/dist": dir,
      "@jupyter-widgets/html-manager": dir + "/html-manager",
    },
  });
})();
