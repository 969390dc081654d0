/*-------------------------------------------------------------------------
 *
 * vendor.c
 *		  The registry of vendors, and lookups in their descriptors.
 *
 * Adding a vendor is one file describing it (vendor_<name>.c) and one line
 * in conv_vendors[] below.
 *
 * src/vendor.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "vendor.h"

static const ConvVendorDef *const conv_vendors[] = {
	&conv_execvision_vendor,
	&conv_voicegain_vendor,
	&conv_siro_vendor,
	&conv_ccai_vendor,
	&conv_cresta_vendor,
};

/*
 * Find a vendor by the value of server option "vendor"; NULL if unknown.
 */
const ConvVendorDef *
conv_find_vendor(const char *name)
{
	for (size_t i = 0; i < lengthof(conv_vendors); i++)
	{
		if (strcmp(conv_vendors[i]->name, name) == 0)
			return conv_vendors[i];
	}
	return NULL;
}

/*
 * The comma-separated names of all vendors, for hints.
 */
char *
conv_vendor_names(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (size_t i = 0; i < lengthof(conv_vendors); i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", conv_vendors[i]->name);
	return buf.data;
}

/*
 * "servers of vendor \"x\"" for the vendor that has a server option of
 * this name of its own, for messages; NULL if none has.
 */
char *
conv_vendor_with_option(const char *option)
{
	for (size_t i = 0; i < lengthof(conv_vendors); i++)
	{
		for (const char *const *o = conv_vendors[i]->server_options; o && *o; o++)
		{
			if (strcmp(*o, option) == 0)
				return psprintf("servers of vendor \"%s\"", conv_vendors[i]->name);
		}
	}
	return NULL;
}

/*
 * Find a vendor's endpoint by the table option "endpoint"; NULL if none.
 */
const ConvTableDef *
conv_find_table_def(const ConvVendorDef *vendor, const char *endpoint)
{
	for (int i = 0; i < vendor->ntables; i++)
	{
		if (strcmp(vendor->tables[i].endpoint, endpoint) == 0)
			return &vendor->tables[i];
	}
	return NULL;
}

/*
 * Find the column of an endpoint that reads this JSON path; NULL if none.
 *
 * Tables may be created by hand with any column names, so the vendor's
 * knowledge of a column (such as which request parameter makes its field
 * appear) is looked up by the JSON field it reads, not by its name.
 */
const ConvColumnDef *
conv_find_column_def(const ConvTableDef *table, const char *json_path)
{
	for (int i = 0; i < table->ncolumns; i++)
	{
		const ConvColumnDef *col = &table->columns[i];

		if (strcmp(conv_column_def_path(table, col), json_path) == 0)
			return col;
	}
	return NULL;
}

/*
 * The JSON field a column of a vendor's table reads: its json_path, or
 * else its name or the camelCase of it, as the vendor names fields.
 */
const char *
conv_column_def_path(const ConvTableDef *table, const ConvColumnDef *col)
{
	if (col->json_path)
		return col->json_path;
	return table->snake_case_fields ? col->name : conv_default_json_path(col->name);
}

/*
 * The JSON field a column reads without a json_path option: the camelCase
 * of its snake_case name ("caller_id" reads "callerId").
 */
char *
conv_default_json_path(const char *column_name)
{
	char	   *result = palloc(strlen(column_name) + 1);
	char	   *out = result;
	bool		upper = false;

	for (const char *p = column_name; *p; p++)
	{
		if (*p == '_' && out != result)
		{
			upper = true;
			continue;
		}
		*out++ = upper ? pg_toupper((unsigned char) *p) : *p;
		upper = false;
	}
	*out = '\0';
	return result;
}
