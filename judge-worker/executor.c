#include "executor.h"

#include <string.h>

const executor_ops *executor_find(const char *name)
{
	static const executor_ops *const all[] = {&executor_local, &executor_judge0};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}
