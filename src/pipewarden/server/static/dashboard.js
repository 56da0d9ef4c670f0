// pipewarden dashboard: draw each chart from the JSON beside it (never executed as
// script), then mark it drawn. Everything else on the pages is plain HTML.
(function () {
  "use strict";
  function draw() {
    var charts = document.querySelectorAll(".pw-chart");
    for (var i = 0; i < charts.length; i++) {
      var el = charts[i];
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source || typeof Plotly === "undefined") { continue; }
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(el, figure.data, figure.layout,
        { displaylogo: false, responsive: true }).then(function (done) {
        done.setAttribute("data-drawn", "1");
      });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
