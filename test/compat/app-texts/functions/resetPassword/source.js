// Refuses every reset, like the reset function of realm-web's integration test app.
exports = function () {
  return { status: 'fail' }
}
