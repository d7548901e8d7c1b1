// Where the inspector is, when they allow it: at the start and at the finalize of an inspection.
// Never blocks the work: no fix within a few seconds (indoors, no permission) means no location.

export function currentLocation(timeoutMs = 8000) {
  if (!navigator.geolocation) return Promise.resolve(null);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (position) => resolve({
        latitude: position.coords.latitude,
        longitude: position.coords.longitude,
        accuracy_m: position.coords.accuracy,
        at: new Date(position.timestamp).toISOString(),
      }),
      () => resolve(null),
      { enableHighAccuracy: false, timeout: timeoutMs, maximumAge: 120_000 },
    );
  });
}
