-- wrk: GET the paths in $PATHS (separated by spaces) in turn, with the Cookie $COOKIE if set and
-- Accept-Encoding as a browser sends it.
local paths, i = {}, 0
for p in string.gmatch(os.getenv("PATHS") or "/", "%S+") do paths[#paths + 1] = p end
local headers = { ["Accept-Encoding"] = "gzip, deflate, br" }
if os.getenv("COOKIE") and os.getenv("COOKIE") ~= "" then headers["Cookie"] = os.getenv("COOKIE") end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], headers)
end
