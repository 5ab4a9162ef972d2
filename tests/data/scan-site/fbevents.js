// A stand-in for the Meta pixel: a first-party _fbp cookie and a PageView image request with the hashed e-mail.
(function () {
  var PORT = "{PORT}";
  document.cookie = "_fbp=fb.1.1700000000000.1234567890; path=/; max-age=7776000";
  var img = new Image(1, 1);
  img.src = "https://www.facebook.com:" + PORT + "/tr/?id=1234567890&ev=PageView&dl=" + encodeURIComponent(location.href)
    + "&ud[em]=" + "9f2b6c1d8e7a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c";
  document.body.appendChild(img);
})();
