using System.CommandLine;
using System.Globalization;
using NextStat.Kernels.Fitting;

namespace NextStat.Cli.Commands;

/// <summary><c>nextstat eval</c>: twice_nll and its gradient at the init point, optionally with parameters moved.</summary>
internal static class EvalCommand
{
    public static Command Create(CliContext context)
    {
        var input = new ModelInput();
        var set = new Option<string[]>("--set")
        {
            Description = "Move a parameter: NAME=VALUE with pyhf names (e.g. mu_SIG=0.5, 'staterror_SR[0]=1.02'); repeatable.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("eval",
            "Evaluate twice_nll = -2 log L and its analytic gradient on the observed data at the init point (pyhf's " +
            "suggested_init), with --set NAME=VALUE to move parameters. Prints {\"twice_nll\", \"parameters\": " +
            "[{\"name\", \"value\"}], \"gradient\": [...]} in pyhf's parameter order.");
        input.AddTo(command);
        command.Add(set);
        command.SetGuardedAction(context, parse =>
        {
            LoadedModel loaded = input.Load(parse);
            var model = loaded.Model;
            double[] parameters = [.. model.Inits];
            foreach (string assignment in parse.GetValue(set) ?? [])
            {
                int eq = assignment.LastIndexOf('=');
                if (eq <= 0)
                {
                    throw new CliException(ExitCodes.Usage, $"--set '{assignment}' is not NAME=VALUE");
                }
                string name = assignment[..eq];
                if (!model.TryIndexOf(name, out int index))
                {
                    throw new CliException(ExitCodes.Usage, $"--set: the model has no parameter '{name}' (see the names that eval prints)");
                }
                if (!double.TryParse(assignment[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                {
                    throw new CliException(ExitCodes.Usage, $"--set {name}: '{assignment[(eq + 1)..]}' is not a finite number");
                }
                parameters[index] = value;
            }

            double[] gradient = new double[parameters.Length];
            IObjectiveEvaluator evaluator = model.ObservedObjective.CreateEvaluator();
            double twiceNll = evaluator.ValueAndGradient(parameters, gradient);
            JsonOutput.Emit(context, input.OutputOf(parse), w =>
            {
                w.WriteStartObject();
                w.Number("twice_nll", twiceNll);
                w.WriteStartArray("parameters");
                for (int i = 0; i < parameters.Length; i++)
                {
                    w.WriteStartObject();
                    w.WriteString("name", model.ParameterNames[i]);
                    w.Number("value", parameters[i]);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("gradient");
                foreach (double g in gradient)
                {
                    w.NumberValue(g);
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return ExitCodes.Ok;
        });
        return command;
    }
}
