// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Report form: show the chosen sector's hint under the list.
  var sector = document.getElementById("sector");
  var hint = document.getElementById("sector-hint");
  if (sector && hint) {
    var show = function () {
      var opt = sector.options[sector.selectedIndex];
      hint.textContent = (opt && opt.getAttribute("data-hint")) || "";
    };
    sector.addEventListener("change", show);
    show();
  }
  // Report form: hide the identity fields while "anonymous" is ticked.
  var anon = document.getElementById("anonymous");
  var who = document.getElementById("identity-fields");
  if (anon && who) {
    var toggle = function () { who.hidden = anon.checked; };
    anon.addEventListener("change", toggle);
    toggle();
  }
  // Receipt page: a print button, and a warning before leaving until the reporter confirms.
  var print = document.getElementById("print-receipt");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
  var saved = document.getElementById("saved");
  if (saved) {
    window.addEventListener("beforeunload", function (e) {
      if (!saved.checked) { e.preventDefault(); e.returnValue = ""; }
    });
  }
  // Photos: refuse more than five before uploading.
  var photos = document.getElementById("photos");
  if (photos) {
    photos.addEventListener("change", function () {
      var max = parseInt(photos.getAttribute("data-max") || "5", 10);
      photos.setCustomValidity(photos.files.length > max ? photos.getAttribute("data-too-many") : "");
    });
  }
})();
