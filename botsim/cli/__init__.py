"""The command line (click): a thin layer over the library. :mod:`.main` holds the group and
run/validate/profiles/init, :mod:`.research` compare/sweep/report, :mod:`.calibration`
calibrate, :mod:`.options` the options and error handling they share."""
