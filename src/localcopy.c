/*-------------------------------------------------------------------------
 *
 * localcopy.c
 *		  Reading a prefetched table's local copy as the foreign table's
 *		  rows, skipping the objects the live delta replaced or deleted.
 *
 * The copy has the foreign table's columns (by name; the foreign table may
 * have dropped columns the copy never had).  Rows are returned as virtual
 * tuples pointing into the copy's buffer, valid until the next row, as any
 * scan's are.  Where the copy's columns are the foreign table's first ones
 * in the same order (the usual case: the copy leaves out only trailing
 * include-only fields), the copy's tuple itself is handed on, still in
 * its buffer: the executor takes apart only what it needs, and the
 * columns the copy lacks read as NULL.
 *
 * src/localcopy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "conv_fdw.h"

struct ConvCopyScan
{
	Relation	rel;
	TableScanDesc scan;
	TupleTableSlot *copy_slot;
	AttrNumber *map;			/* copy attnum of each foreign attnum - 1 */
	AttrNumber	key;			/* the id column in the copy */
	FmgrInfo	key_out;
	bool		key_is_text;	/* compare its bytes, without output */
	AttrNumber	deform_upto;	/* the last copy column needed */
	bool		same_layout;	/* copy tuples can be the foreign table's */
};

/*
 * Are the copy's columns the foreign table's first columns, in order and
 * of the same types, so that a copy tuple reads as a foreign table row?
 */
static bool
same_layout(TupleDesc copy_desc, TupleDesc desc)
{
	if (copy_desc->natts > desc->natts)
		return false;
	for (int i = 0; i < copy_desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(copy_desc, i);
		Form_pg_attribute b = TupleDescAttr(desc, i);

		if (a->attisdropped || b->attisdropped ||
			strcmp(NameStr(a->attname), NameStr(b->attname)) != 0 ||
			a->atttypid != b->atttypid || a->atttypmod != b->atttypmod)
			return false;
	}
	for (int i = copy_desc->natts; i < desc->natts; i++)
	{
		if (TupleDescAttr(desc, i)->atthasmissing)
			return false;
	}
	return true;
}

/*
 * Start reading the copy copy_relid for a foreign table whose rows look
 * like desc; key_column names the id column, attrs the foreign table's
 * columns the query reads (the others are returned as NULL, and not even
 * taken apart from the copy's tuples).
 */
ConvCopyScan *
conv_copy_begin(Oid copy_relid, TupleDesc desc, const char *key_column,
				Snapshot snapshot, List *attrs)
{
	ConvCopyScan *cs = palloc0(sizeof(ConvCopyScan));
	TupleDesc	copy_desc;
	Oid			outfunc;
	bool		varlena;

	cs->rel = table_open(copy_relid, AccessShareLock);
	copy_desc = RelationGetDescr(cs->rel);
	cs->map = palloc0(desc->natts * sizeof(AttrNumber));
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Form_pg_attribute copy_att;

		if (att->attisdropped)
			continue;
		if (!list_member_int(attrs, att->attnum))
			continue;
		cs->map[i] = get_attnum(copy_relid, NameStr(att->attname));
		if (cs->map[i] == InvalidAttrNumber)
			continue;
		cs->deform_upto = Max(cs->deform_upto, cs->map[i]);
		/* a column whose type changed since the copy was made */
		copy_att = TupleDescAttr(copy_desc, cs->map[i] - 1);
		if (copy_att->atttypid != att->atttypid || copy_att->atttypmod != att->atttypmod)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of the local copy %s has type %s, but the foreign table's has type %s",
							NameStr(att->attname), RelationGetRelationName(cs->rel),
							format_type_with_typemod(copy_att->atttypid, copy_att->atttypmod),
							format_type_with_typemod(att->atttypid, att->atttypmod)),
					 errhint("Call conv_fdw.unprefetch() and conv_fdw.prefetch() to make the copy again.")));
	}
	cs->key = get_attnum(copy_relid, key_column);
	if (cs->key == InvalidAttrNumber)
		elog(ERROR, "local copy %s has no column \"%s\"",
			 RelationGetRelationName(cs->rel), key_column);
	getTypeOutputInfo(TupleDescAttr(copy_desc, cs->key - 1)->atttypid, &outfunc, &varlena);
	fmgr_info(outfunc, &cs->key_out);
	cs->deform_upto = Max(cs->deform_upto, cs->key);
	cs->key_is_text = TupleDescAttr(copy_desc, cs->key - 1)->atttypid == TEXTOID;
	cs->same_layout = same_layout(copy_desc, desc);
	cs->copy_slot = table_slot_create(cs->rel, NULL);
	cs->scan = table_beginscan(cs->rel, snapshot, 0, NULL);
	return cs;
}

/*
 * Is the copy's row with this key among the ids in skip?  A text key is
 * hashed as it lies in the row: this runs for every row of the copy.
 */
static bool
replaced(ConvCopyScan *cs, ConvIdSet *skip, Datum key)
{
	if (cs->key_is_text)
	{
		text	   *t = DatumGetTextPP(key);

		return conv_idset_contains_n(skip, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	return conv_idset_contains(skip, OutputFunctionCall(&cs->key_out, key));
}

/*
 * The next row of the copy whose id is not in skip, into slot; false at
 * the end.
 */
bool
conv_copy_next(ConvCopyScan *cs, TupleTableSlot *slot, ConvIdSet *skip)
{
	bool		check = !conv_idset_is_empty(skip);
	bool		direct = cs->same_layout && TTS_IS_HEAPTUPLE(slot);

	while (table_scan_getnextslot(cs->scan, ForwardScanDirection, cs->copy_slot))
	{
		TupleDesc	desc = slot->tts_tupleDescriptor;

		slot_getsomeattrs(cs->copy_slot, direct ? (check ? cs->key : 0) : cs->deform_upto);
		if (check && !cs->copy_slot->tts_isnull[cs->key - 1] &&
			replaced(cs, skip, cs->copy_slot->tts_values[cs->key - 1]))
			continue;
		ExecClearTuple(slot);
		if (direct)
		{
			/* valid while copy_slot keeps its buffer pinned: until the next row */
			ExecStoreHeapTuple(ExecFetchSlotHeapTuple(cs->copy_slot, false, NULL),
							   slot, false);
			return true;
		}
		for (int i = 0; i < desc->natts; i++)
		{
			AttrNumber	c = cs->map[i];

			slot->tts_values[i] = c ? cs->copy_slot->tts_values[c - 1] : (Datum) 0;
			slot->tts_isnull[i] = c ? cs->copy_slot->tts_isnull[c - 1] : true;
		}
		ExecStoreVirtualTuple(slot);
		return true;
	}
	return false;
}

/*
 * Stop reading the copy.
 */
void
conv_copy_end(ConvCopyScan *cs)
{
	table_endscan(cs->scan);
	ExecDropSingleTupleTableSlot(cs->copy_slot);
	table_close(cs->rel, AccessShareLock);
}
