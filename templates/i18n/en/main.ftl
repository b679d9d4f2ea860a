# Error messages (shared by the JSON API and the pages)
error-bad_request = The request could not be read; please check its format and try again.
error-unauthenticated = Please sign in first.
error-forbidden = You are not allowed to do this.
error-not_found = Nothing was found here.
error-receipt_not_found = No tip matches this receipt; please check the 16 digits and try again.
error-sign_in = The username or password is not right.
error-second_factor = Please type the 6-digit code from your authenticator app.
error-csrf = This page has expired; please reload it and try again.
error-conflict = This cannot be done in the current state.
error-too_large = What you sent is too large.
error-unsupported_media = This content type is not supported.
error-validation = Some fields need your attention; see the note next to each.
error-rate_limited = Too many attempts; please try again in { $seconds } seconds.
error-internal = Something went wrong on our side. Nothing you sent was lost; please try again later.

field-required = This field is required.
field-too_short = At least { $min } characters.
field-too_long = At most { $max } characters.
field-unknown_sector = Please choose a sector from the list.
field-unknown_street = Please choose a sub-district from the list.
field-unknown_severity = Please choose "general" or "major".
field-bad_instant = This date and time is not valid.
field-in_future = The time you saw it cannot be in the future.
field-reporter_forbidden = An anonymous tip cannot carry the reporter's details.
field-reporter_required = To report under your name, give your name and mobile number.
field-bad_phone = Please give an 11-digit mainland China mobile number.
field-bad_email = This email address is not valid.
field-invalid = This value is not valid.
field-bad_username = Usernames are 3 to 40 lowercase letters, digits or . _ -.
field-password_too_short = Passwords need at least 12 characters.
field-unit_required = Officers and heads need a department or sub-district.
field-unit_not_allowed = This role does not belong to a department or sub-district.
field-unknown_unit = There is no such department or sub-district.

conflict-username_taken = This username is already taken.
conflict-database_not_empty = The database is not empty; demo data loads only into an empty one.
