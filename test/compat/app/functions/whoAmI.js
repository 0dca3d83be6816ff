/* global context */
// Answers who called: enough to see that a call went through with a valid token.
exports = function () {
  return { id: context.user.id, type: context.user.type }
}
