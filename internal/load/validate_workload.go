package load

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func validatePod(p *corev1.Pod) field.ErrorList {
	return validatePodSpec(&p.Spec, func() *field.Path { return field.NewPath("spec") })
}

// validatePodSpec checks what the analysis reads of a pod: that it has
// containers, their names and their ports. at makes the spec's path, for
// an error.
func validatePodSpec(spec *corev1.PodSpec, at func() *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(spec.Containers) == 0 {
		errs = append(errs, field.Required(at().Child("containers"), "a pod needs at least one container"))
	}
	names := map[string]bool{}
	check := func(cs []corev1.Container, list string) {
		for i := range cs {
			c := &cs[i]
			child := func(name string) *field.Path { return at().Child(list).Index(i).Child(name) }
			switch {
			case c.Name == "":
				errs = append(errs, field.Required(child("name"), ""))
			case names[c.Name]:
				errs = append(errs, field.Duplicate(child("name"), c.Name))
			case !dns1123Label(c.Name):
				for _, msg := range validation.IsDNS1123Label(c.Name) {
					errs = append(errs, field.Invalid(child("name"), c.Name, msg))
				}
			}
			names[c.Name] = true
			errs = append(errs, validateContainerPorts(c.Ports, func() *field.Path { return child("ports") })...)
		}
	}
	check(spec.InitContainers, "initContainers")
	check(spec.Containers, "containers")
	return errs
}

func validateContainerPorts(ports []corev1.ContainerPort, at func() *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, port := range ports {
		child := func(name string) *field.Path { return at().Index(i).Child(name) }
		for _, msg := range validation.IsValidPortNum(int(port.ContainerPort)) {
			errs = append(errs, field.Invalid(child("containerPort"), port.ContainerPort, msg))
		}
		if port.HostPort != 0 {
			for _, msg := range validation.IsValidPortNum(int(port.HostPort)) {
				errs = append(errs, field.Invalid(child("hostPort"), port.HostPort, msg))
			}
		}
		if port.Name != "" && !portName(port.Name) {
			for _, msg := range validation.IsValidPortName(port.Name) {
				errs = append(errs, field.Invalid(child("name"), port.Name, msg))
			}
		}
		if !knownProtocol(port.Protocol) {
			errs = append(errs, validateProtocol(port.Protocol, child("protocol"))...)
		}
	}
	return errs
}

// validateProtocol accepts the protocols of the API; empty is defaulted
// to TCP by the server before it validates.
func validateProtocol(proto corev1.Protocol, p *field.Path) field.ErrorList {
	if knownProtocol(proto) {
		return nil
	}
	return field.ErrorList{field.NotSupported(p, proto, []string{"TCP", "UDP", "SCTP"})}
}

// knownProtocol reports whether validateProtocol accepts proto, for a
// caller to make its path only when it does not.
func knownProtocol(proto corev1.Protocol) bool {
	switch proto {
	case "", corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		return true
	}
	return false
}

// validateTemplate checks a controller's pod template and, when the
// controller has one, its selector: required, valid, not empty, and
// matching the template's labels. at makes the controller spec's path,
// for an error.
func validateTemplate(m *memo, sel *metav1.LabelSelector, selectorRequired bool, tmpl *corev1.PodTemplateSpec, at func() *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case sel == nil && selectorRequired:
		errs = append(errs, field.Required(at().Child("selector"), ""))
	case sel != nil:
		errs = append(errs, m.selector(sel, func() *field.Path { return at().Child("selector") })...)
		if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
			errs = append(errs, field.Invalid(at().Child("selector"), sel, "empty selector is invalid for a controller"))
		} else if !templateMatches(m, sel, tmpl.Labels) {
			errs = append(errs, field.Invalid(at().Child("template", "metadata", "labels"), tmpl.Labels, "`selector` does not match template `labels`"))
		}
	}
	errs = append(errs, m.validateLabels(tmpl.Labels, func() *field.Path { return at().Child("template", "metadata", "labels") })...)
	return append(errs, validatePodSpec(&tmpl.Spec, func() *field.Path { return at().Child("template", "spec") })...)
}

// templateMatches reports whether a controller's selector matches its
// template's labels, false when the selector does not convert (an error
// its validation reports).
func templateMatches(m *memo, sel *metav1.LabelSelector, labelSet map[string]string) bool {
	if matches, ok := m.matchesKnown(sel, labelSet); ok {
		return matches
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err != nil || s.Matches(labels.Set(labelSet))
}

// specPath makes the path of an object's spec.
func specPath() *field.Path { return field.NewPath("spec") }

func validateDeployment(m *memo, d *appsv1.Deployment) field.ErrorList {
	return validateTemplate(m, d.Spec.Selector, true, &d.Spec.Template, specPath)
}

func validateStatefulSet(m *memo, s *appsv1.StatefulSet) field.ErrorList {
	return validateTemplate(m, s.Spec.Selector, true, &s.Spec.Template, specPath)
}

func validateDaemonSet(m *memo, d *appsv1.DaemonSet) field.ErrorList {
	return validateTemplate(m, d.Spec.Selector, true, &d.Spec.Template, specPath)
}

func validateReplicaSet(m *memo, r *appsv1.ReplicaSet) field.ErrorList {
	return validateTemplate(m, r.Spec.Selector, true, &r.Spec.Template, specPath)
}

func validateReplicationController(m *memo, rc *corev1.ReplicationController) field.ErrorList {
	if rc.Spec.Template == nil {
		return field.ErrorList{field.Required(specPath().Child("template"), "")}
	}
	var sel *metav1.LabelSelector
	if len(rc.Spec.Selector) > 0 {
		sel = &metav1.LabelSelector{MatchLabels: rc.Spec.Selector}
	}
	return validateTemplate(m, sel, false, rc.Spec.Template, specPath)
}

func validateJob(m *memo, j *batchv1.Job) field.ErrorList {
	return validateJobSpec(m, &j.Spec, specPath)
}

// validateJobSpec checks a Job's template; its selector is generated by
// the server unless manualSelector is set.
func validateJobSpec(m *memo, spec *batchv1.JobSpec, at func() *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.Selector != nil {
		errs = append(errs, m.selector(spec.Selector, func() *field.Path { return at().Child("selector") })...)
	}
	errs = append(errs, validateTemplate(m, nil, false, &spec.Template, at)...)
	switch rp := spec.Template.Spec.RestartPolicy; rp {
	case corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	case "":
		errs = append(errs, field.Required(at().Child("template", "spec", "restartPolicy"), `valid values: "OnFailure", "Never"`))
	default:
		errs = append(errs, field.NotSupported(at().Child("template", "spec", "restartPolicy"), rp, []string{"OnFailure", "Never"}))
	}
	return errs
}

func validateCronJob(m *memo, c *batchv1.CronJob) field.ErrorList {
	var errs field.ErrorList
	// The Jobs a CronJob creates are named NAME-<11 characters>, and that
	// name must fit a label value.
	if max := validation.DNS1035LabelMaxLength - 11; len(c.Name) > max {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), c.Name, fmt.Sprintf("must be no more than %d characters", max)))
	}
	if c.Spec.Schedule == "" {
		errs = append(errs, field.Required(field.NewPath("spec", "schedule"), ""))
	}
	return append(errs, validateJobSpec(m, &c.Spec.JobTemplate.Spec, func() *field.Path { return field.NewPath("spec", "jobTemplate", "spec") })...)
}
