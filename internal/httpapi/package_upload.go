package httpapi

// PackageUploadPath is where the web app takes a course package (a zip of up to
// course.MaxPackageSize bytes) as a multipart form post. bodyLimit leaves its body as a stream
// for the page to read under that limit; the web app's own test holds it to the same path.
const PackageUploadPath = "/authoring/upload"
