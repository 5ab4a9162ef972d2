// The site's own consent logic: tags load only once the visitor accepts (OneTrust's markup, a local stand-in
// for its SDK). The choice is kept in the OptanonAlertBoxClosed cookie, as OneTrust does.
(function () {
  var PORT = "{PORT}";
  var banner = document.getElementById("onetrust-banner-sdk");
  function hide() { if (banner) banner.style.display = "none"; }
  function loadTags() {
    var s = document.createElement("script");
    s.src = "https://connect.facebook.net:" + PORT + "/en_US/fbevents.js";
    document.head.appendChild(s);
    navigator.sendBeacon("https://www.google-analytics.com:" + PORT + "/g/collect?v=2&tid=G-LUMEN1&cid=1234567.89&en=page_view&dl="
      + encodeURIComponent(location.href) + "&uid=" + encodeURIComponent("jane.doe@example.org"));
    localStorage.setItem("_ga_visitor", "jane.doe@example.org");
  }
  if (navigator.globalPrivacyControl === true) fetch("/gpc-seen");
  sessionStorage.setItem("cart", "lamp-3");
  localStorage.setItem("visitor_phone", "555-123-4567");
  fetch("/api/newsletter", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({email: "jane.doe@example.org", phone: "555-123-4567"})});
  var choice = document.cookie.match(/(?:^|; )OptanonAlertBoxClosed=(\w+)/);
  if (choice) { hide(); if (choice[1] === "accepted") loadTags(); }
  var accept = document.getElementById("onetrust-accept-btn-handler");
  var reject = document.getElementById("onetrust-reject-all-handler");
  if (accept) accept.onclick = function () {
    document.cookie = "OptanonAlertBoxClosed=accepted; path=/; max-age=31536000"; hide(); loadTags(); };
  if (reject) reject.onclick = function () {
    document.cookie = "OptanonAlertBoxClosed=rejected; path=/; max-age=31536000"; hide(); };
})();
