package server

// UnderPrefix exposes underPrefix to the table test.
var UnderPrefix = underPrefix
