"""Generated documentation: the data dictionary and the kedro-viz dataset cards."""
