// Going to a screen by its address. Setting the hash the page already has fires no hashchange, so the router
// would draw nothing: a booked inspection started from its own screen, or a review saved again, stayed as it
// was. The router is then told of the visit all the same, and draws the screen as for any other.
export function navigate(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}
