// The guide's flow chart drawn as a picture (the vendored Mermaid, static/vendor/mermaid/). The diagram's source
// sits in a hidden element; without JavaScript, or if drawing fails, the textual main path above stays the
// flow chart and the source is never shown.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var figure = document.getElementById("flow-diagram");
    var source = document.getElementById("flow-diagram-source");
    if (!figure || !source || !window.mermaid) {
      return;
    }
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
    window.mermaid.render("flow-diagram-svg", source.textContent).then(function (result) {
      figure.querySelector(".flow-diagram-canvas").innerHTML = result.svg;
      figure.hidden = false;
      figure.dataset.rendered = "true";
    }).catch(function () {
      figure.hidden = true;
    });
  });
})();
