-- The seed's example event (tests/api/events.rs, seed_event()), as createAdverseEvent
-- variables. additionalNotes carries a tag unique to the request (run, thread, counter)
-- so run.sh can count the rows afterwards: no acknowledged row lost, none twice.
CREATE_QUERY = "mutation($input: CreateAdverseEventInput!) { createAdverseEvent(input: $input) { id status title } }"
local create_prefix = '{"query":"' .. CREATE_QUERY .. '","variables":{"input":{' ..
  '"title":"Device malfunction","description":"Stopped working.","severity":"MODERATE",' ..
  '"deviceName":"Cardiac Monitor","deviceCategory":"Monitoring","manufacturer":"MedTech Inc.",' ..
  '"modelNumber":"CM-2024","serialNumber":"SN123456789","eventDate":"2024-06-01",' ..
  '"eventLocation":"Mumbai Hospital","symptoms":"Incorrect readings",' ..
  '"treatmentReceived":"Device replaced","outcome":"No injury","witnesses":"Nurse present",' ..
  '"additionalNotes":"First occurrence ['
local create_suffix = ']","supportingDocuments":[]}}}'
function create_body(n)
  return create_prefix .. RUN_ID .. "-t" .. tostring(tid or 0) .. "-n" .. n .. create_suffix
end
function check_create(body)
  if string.find(body, '{"data":{"createAdverseEvent":{', 1, true) ~= 1 then return nil, "no createAdverseEvent" end
  if not string.find(body, '"status":"DRAFT"', 1, true) then return nil, "status is not DRAFT" end
  if not string.find(body, '"title":"Device malfunction"', 1, true) then return nil, "unexpected title" end
  return "create"
end
